"""The audit trail: who did what and when, never a secret or a patient's name."""
