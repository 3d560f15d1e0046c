"""Involve: service user involvement platform."""
