# nbgrader_config.py of a course whose gradebook several graders share in PostgreSQL.
# Put it in the course folder (the one with source/, submitted/, autograded/, feedback/).
import os

from ipt_lib.course.config import configure

c = get_config()  # noqa: F821
configure(c)  # the course's settings: course id ipt101, time limits, feedback without hidden tests
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# postgresql+psycopg2://nbgrader:PASSWORD@DB-HOST:5432/ipt101 -- from the environment (a Kubernetes secret,
# or the grader's shell), so that the password is never in this file or in git.
c.CourseDirectory.db_url = os.environ["IPT_GRADEBOOK_URL"]
