"""Which roles do what in the catalogue (docs/decisions/024): one table for the
console views and the API. Rows are still scoped by ``accounts.scoping``."""

from jingmin.accounts.roles import Role

EDITORS = (Role.ADMIN, Role.SUPERVISOR)
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.LEADER)
RECORDERS = (Role.OFFICER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN)
DAY_LIST = (Role.OFFICER, Role.LEADER, Role.SUPERVISOR)
IMPORTERS = (Role.SUPERVISOR, Role.ADMIN)
SLOT_OPENERS = (Role.LEADER, Role.SUPERVISOR, Role.ADMIN)
CONSOLE = (Role.ADMIN, Role.SUPERVISOR, Role.LEADER, Role.OFFICER)
