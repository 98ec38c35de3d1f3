"""LTI 1.3 launch claims -> hub user name / nbgrader student id (ipt_lib.course.lti_launch), no hub needed."""

from __future__ import annotations

import pytest

from ipt_lib.course.lti_config import read_user_map
from ipt_lib.course.lti_launch import CONTEXT_CLAIM, ROLES_CLAIM, LaunchRefused, map_launch, role_of

ISS = "https://canvas.instructure.com"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"


def claims(sub, *, email="", name="", roles=(LEARNER,), context="ctx-1", **extra):
    return {"iss": ISS, "sub": sub, "email": email, "name": name, ROLES_CLAIM: list(roles),
            CONTEXT_CLAIM: {"id": context, "title": "IPT 101"}, **extra}


def test_a_new_student_gets_an_id_from_the_email_and_is_recorded(tmp_path):
    users = tmp_path / "lti-users.csv"
    who = map_launch(claims("sub-1", email="Zoë.Núñez@uni.example", name="Zoë Núñez"), users)
    assert (who.username, who.role, who.new, who.renamed) == ("zoe-nunez", "student", True, False)
    assert read_user_map(users) == {"zoe-nunez": "sub-1"}  # what grade passback reads


def test_a_renamed_student_keeps_their_id(tmp_path):
    users = tmp_path / "lti-users.csv"
    map_launch(claims("sub-1", email="ada.lovelace@uni.example", name="Ada Lovelace"), users)
    who = map_launch(claims("sub-1", email="ada.king@uni.example", name="Ada King"), users)
    assert (who.username, who.new, who.renamed) == ("ada-lovelace", False, True)
    again = map_launch(claims("sub-1", email="ada.king@uni.example", name="Ada King"), users)
    assert again.renamed is False
    assert "Ada King" in users.read_text(encoding="utf-8")


def test_a_second_person_with_the_same_name_gets_a_new_id_not_the_first_ones(tmp_path):
    users = tmp_path / "lti-users.csv"
    first = map_launch(claims("sub-1", email="sam.lee@uni.example"), users)
    second = map_launch(claims("sub-2", email="sam.lee@other.example"), users)
    assert (first.username, second.username) == ("sam-lee", "sam-lee2")
    assert map_launch(claims("sub-2", email="sam.lee@other.example"), users).username == "sam-lee2"


def test_no_email_falls_back_to_the_name_then_the_sub(tmp_path):
    users = tmp_path / "lti-users.csv"
    assert map_launch(claims("sub-1", name="Юлия Петрова"), users).username == "usub-1"  # nothing ASCII in the name
    assert map_launch(claims("sub-2", given_name="Nia", family_name="New"), users).username == "nia-new"
    assert map_launch(claims("7f3a"), users).username == "u7f3a"
    assert map_launch(claims("sub-4", name="Nia New"), users).username == "nia-new2"


@pytest.mark.parametrize("roles, expected", [
    ([INSTRUCTOR], "instructor"), ([TA], "instructor"), (["Instructor"], "instructor"),
    (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"], "instructor"),
    ([LEARNER], "student"), (["Learner"], "student"), ([], "student"),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"], "student"),
])
def test_roles(roles, expected):
    assert role_of(roles) == expected


def test_an_instructor_launch_is_an_instructor_identity(tmp_path):
    who = map_launch(claims("sub-9", email="prof@uni.example", roles=(INSTRUCTOR,)), tmp_path / "u.csv")
    assert (who.username, who.role) == ("prof", "instructor")


@pytest.mark.parametrize("launch, message", [
    (claims(""), "no user id"),
    (claims("sub-1", iss="https://other.example"), "not from"),
    (claims("sub-1", context="ctx-2"), "another course"),
])
def test_launches_that_cannot_log_in_are_refused_with_a_reason(tmp_path, launch, message):
    with pytest.raises(LaunchRefused, match=message):
        map_launch(launch, tmp_path / "u.csv", issuer=ISS, context_id="ctx-1")
    assert not (tmp_path / "u.csv").exists()


def test_the_hub_recipe_logs_an_lti_launch_in_as_the_mapped_user(tmp_path, monkeypatch):
    """hub/jupyterhub_config.py with IPT_HUB_AUTH=lti13: its authenticator maps verified claims (no hub started)."""
    import asyncio
    from pathlib import Path

    pytest.importorskip("ltiauthenticator", reason="jupyterhub-ltiauthenticator (hub/requirements.txt)")
    from traitlets.config import Config

    roster = tmp_path / "roster.txt"
    roster.write_text("prof instructor\nzoe-nunez student\n", encoding="utf-8")
    env = {"IPT_HUB_AUTH": "lti13", "IPT_HUB_ROSTER": str(roster), "IPT_HUB_STATE": str(tmp_path),
           "IPT_LTI_ISSUER": ISS, "IPT_LTI_CLIENT_ID": "10000000000042", "IPT_LTI_CONTEXT": "ctx-1",
           "IPT_LTI_AUTHORIZE_URL": "https://sso.canvaslms.com/api/lti/authorize_redirect",
           "IPT_LTI_JWKS_URL": "https://sso.canvaslms.com/api/lti/security/jwks"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config = Config()
    source = Path(__file__).parents[1] / "hub" / "jupyterhub_config.py"
    exec(compile(source.read_text(), str(source), "exec"), {"get_config": lambda: config, "__name__": "config"})
    assert config.LTI13Authenticator.client_id == {"10000000000042"}
    authenticator = config.JupyterHub.authenticator_class(config=config)
    student = asyncio.run(authenticator.authenticate(None, claims("sub-1", email="zoe.nunez@uni.example")))
    teacher = asyncio.run(authenticator.authenticate(None, claims("sub-9", email="prof@uni.example",
                                                                  roles=(INSTRUCTOR,))))
    assert student == {"name": "zoe-nunez", "admin": None} and teacher == {"name": "prof", "admin": True}
    assert read_user_map(tmp_path / "lti-users.csv") == {"zoe-nunez": "sub-1", "prof": "sub-9"}
    from tornado import web

    with pytest.raises(web.HTTPError, match="another course"):
        asyncio.run(authenticator.authenticate(None, claims("sub-2", context="ctx-7")))
    # The roster decides who logs in; someone it lacks is told their id and what to do (not "User missing or null").
    assert authenticator.check_allowed("zoe-nunez") is True
    with pytest.raises(web.HTTPError, match="Your course account is nia-new; this hub's roster does not have it"):
        authenticator.check_allowed("nia-new")
