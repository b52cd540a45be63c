"""The hospitals pages (ministry): search, each hospital's mode, activity and keys."""

from __future__ import annotations

from fastapi import APIRouter

from moph_connect.console.pages import PREFIX

router = APIRouter(prefix=PREFIX, include_in_schema=False)
