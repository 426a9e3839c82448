"""The telegram channel: its adapter, its renderer and its platform details."""
