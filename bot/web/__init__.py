"""The ASGI app: webhooks, sign-up and preference pages, health and metrics."""
