"""The console navigation offers a page to exactly the roles that may open it.

The roles of a nav entry are written next to the entry, the roles of a page next to
its view; this keeps the two from drifting apart (an officer saw the hot-spot card
on the front page with no "hot spots" link in the navigation)."""

import pytest
from django.urls import reverse

from jingmin.accounts.tests.personas import ONE_PER_ROLE
from jingmin.portal.nav import CONSOLE, console_nav


@pytest.mark.parametrize("persona", ONE_PER_ROLE)
def test_console_nav_matches_what_the_role_may_open(county, client_for, persona):
    user = county[persona]
    client = client_for(user)
    shown = {url for url, _label in console_nav(user.role)}
    for entry in CONSOLE:
        url = reverse(entry.url_name)
        status = client.get(url).status_code
        may_open = status == 200
        assert (url in shown) == may_open, (
            f"{persona}: {entry.url_name} answers {status} but is "
            f"{'shown' if url in shown else 'not shown'} in the navigation"
        )
