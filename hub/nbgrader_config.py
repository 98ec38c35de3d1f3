# The course's nbgrader settings for every user of the shared environment.
# hub/make_env.sh copies this file to <venv>/etc/jupyter/nbgrader_config.py, where nbgrader finds it for
# every user of that venv (instructors and students alike, in their servers, terminals and the CLI).
import os

from ipt_lib.course.config import configure

c = get_config()  # noqa: F821
configure(c)  # course id ipt101, time limits, feedback without hidden tests, atomic submit
# The hub passes IPT_HUB_EXCHANGE (and the exchange's address) to every user server (see jupyterhub_config.py).
if os.environ.get("IPT_HUB_EXCHANGE", "folder") == "ngshare":
    # ngshare: every exchange step goes over HTTP to the hub's ngshare service, with the user's own hub token.
    # ngshare_exchange names the user from $JUPYTERHUB_USER, or $USER at import (a KeyError if neither is set).
    os.environ.setdefault("USER", os.environ.get("JUPYTERHUB_USER") or __import__("getpass").getuser())
    from ngshare_exchange import configureExchange

    # All eight exchange classes become ngshare_exchange's, replacing the folder exchange's submit and collect
    # that configure() set (ipt_lib.course.exchange works on folders).
    configureExchange(c, os.environ["IPT_NGSHARE_URL"])
else:
    # One exchange folder for the whole server (mode 777; nbgrader sets the permissions inside it).
    c.Exchange.root = os.environ.get("IPT_NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
