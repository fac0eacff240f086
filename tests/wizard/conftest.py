"""Fixtures for the flow engine tests."""

from __future__ import annotations

import pytest
from wizard_helpers import FLOWS

from dropwizard.wizard.loader import load_flow
from dropwizard.wizard.model import Flow


@pytest.fixture
def mini() -> Flow:
    return load_flow(FLOWS / "mini.yaml")
