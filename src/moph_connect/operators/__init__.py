"""Console operators: who may sign in, with which role, and their sessions."""
