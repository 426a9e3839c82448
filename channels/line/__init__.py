"""The line channel: its adapter, its renderer and its platform details."""
