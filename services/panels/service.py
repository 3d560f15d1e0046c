"""The panels service (Nameko). Fair panel selection (sortition): issue 6.

For now it has its own database (migrated at start), health over RPC and metrics over HTTP;
its features arrive with their issues (see docs/architecture.md).
"""
from involve.kernel.nameko_parts import Database, ServiceBase


class PanelsService(ServiceBase):
    name = "panels"
    db = Database()
