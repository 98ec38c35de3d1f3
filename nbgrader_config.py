# nbgrader settings for this repository (source/ and release/ follow nbgrader's course layout), so that plain
# nbgrader commands work in a fresh clone: the gradebook and a local exchange live in .nbgrader/ (git ignores it).
# Course-wide settings live in ipt_lib/course/config.py, shared with every scratch course.
import os

from ipt_lib.course.config import configure

c = get_config()  # noqa: F821
configure(c)
_here = os.path.dirname(os.path.abspath(__file__))  # traitlets runs this file with __file__ set
_state = os.path.join(_here, ".nbgrader")
os.makedirs(os.path.join(_state, "exchange"), exist_ok=True)
os.chmod(os.path.join(_state, "exchange"), 0o777)  # nbgrader's exchange must be writable by every student
c.CourseDirectory.root = _here
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_state, "gradebook.db")
c.Exchange.root = os.path.join(_state, "exchange")
