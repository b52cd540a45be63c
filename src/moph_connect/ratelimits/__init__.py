"""Rate limits a ministry can tune: per hospital, per failing source, per patient."""
