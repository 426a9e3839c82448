"""The slack channel: its adapter, its renderer and its platform details."""
