# nbgrader settings for this repository (source/ and release/ follow nbgrader's course layout).
# Course-wide settings live in ipt_lib/course/config.py, shared with every scratch course.
from ipt_lib.course.config import configure

c = get_config()  # noqa: F821
configure(c)
c.CourseDirectory.db_url = "sqlite:///.nbgrader/gradebook.db"
