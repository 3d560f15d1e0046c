"""The feedback service (Nameko). Feedback routing: issue 4.

For now it has its own database (migrated at start), health over RPC and metrics over HTTP;
its features arrive with their issues (see docs/architecture.md).
"""
from involve.kernel.nameko_parts import Database, ServiceBase


class FeedbackService(ServiceBase):
    name = "feedback"
    db = Database()
