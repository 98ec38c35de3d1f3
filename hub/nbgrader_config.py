# The course's nbgrader settings for every user of the shared environment.
# hub/make_env.sh copies this file to <venv>/etc/jupyter/nbgrader_config.py, where nbgrader finds it for
# every user of that venv (instructors and students alike, in their servers, terminals and the CLI).
import os

from ipt_lib.course.config import configure

c = get_config()  # noqa: F821
configure(c)  # course id ipt101, time limits, feedback without hidden tests, atomic submit
# One exchange folder for the whole server (mode 777; nbgrader sets the permissions inside it).
# The hub passes IPT_NBGRADER_EXCHANGE to every user server (see jupyterhub_config.py).
c.Exchange.root = os.environ.get("IPT_NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
