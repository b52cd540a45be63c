"""LINE users and their MOPH Connect IDs (one per user and hospital)."""
