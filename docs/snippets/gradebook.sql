-- A PostgreSQL database for one course's nbgrader gradebook, and the login role nbgrader uses.
-- Run as a PostgreSQL superuser, with the password from outside the file:
--   psql -v ON_ERROR_STOP=1 -v password="$NBGRADER_DB_PASSWORD" -f gradebook.sql
CREATE ROLE nbgrader LOGIN PASSWORD :'password';
CREATE DATABASE ipt101 OWNER nbgrader ENCODING 'UTF8' TEMPLATE template0;
