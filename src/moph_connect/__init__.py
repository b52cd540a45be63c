"""MOPH Connect: LINE chatbot connecting Thai patients with hospital queue systems."""

__version__ = "0.1.0"
