"""Attacks on the read path, shared by the tests of every endpoint that runs SQL (the sink's
/sql/, the ClickHouse HTTP interface): the statements, and a listener standing in for a
remote server so a test can show that nothing connected to it."""

from __future__ import annotations

import socket
import threading


class Listener:
    """A TCP port that records every connection: the stand-in for a remote server."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


ATTACKS = [
    ("write a file", "SELECT 'x' INTO OUTFILE '{out}'", "INTO OUTFILE"),
    ("overwrite a file", "SELECT 'x' INTO OUTFILE '{out}' TRUNCATE", "INTO OUTFILE"),
    ("append to a file", "SELECT 'x' INTO OUTFILE '{out}' APPEND", "INTO OUTFILE"),
    ("write a compressed file", "SELECT 'x' INTO OUTFILE '{out}' COMPRESSION 'gzip'", "INTO OUTFILE"),
    ("write a plan to a file", "EXPLAIN SELECT 1 INTO OUTFILE '{out}'", "INTO OUTFILE"),
    ("write a table list to a file", "SHOW TABLES INTO OUTFILE '{out}'", "INTO OUTFILE"),
    ("write a description to a file", "DESCRIBE TABLE articles INTO OUTFILE '{out}'", "INTO OUTFILE"),
    ("read /etc/passwd with filesystem()", "SELECT content FROM filesystem('/etc') WHERE name = 'passwd'",
     "filesystem()"),
    ("read a file with file()", "SELECT * FROM file('/etc/passwd', 'LineAsString')", "file()"),
    ("read a file with the scalar file()", "SELECT file('/etc/passwd')", "file()"),
    ("read a file in a subquery", "SELECT 1 WHERE 'root' IN (SELECT * FROM file('/etc/passwd', 'LineAsString'))",
     "file()"),
    ("read a file in a CTE", "WITH t AS (SELECT * FROM file('/etc/passwd', 'LineAsString')) SELECT * FROM t",
     "file()"),
    ("read a file in a join", "SELECT * FROM numbers(1) AS n JOIN file('/etc/passwd', 'LineAsString') AS f ON 1",
     "file()"),
    ("infer a file's schema with DESCRIBE", "DESCRIBE TABLE file('/etc/passwd')", "file()"),
    ("plan a file read with EXPLAIN", "EXPLAIN PIPELINE SELECT * FROM file('/etc/passwd', 'LineAsString')", "file()"),
    ("HTTP with oss()", "SELECT * FROM oss('http://127.0.0.1:{port}/b/x.csv', 'CSV')", "oss()"),
    ("HTTP with cosn()", "SELECT * FROM cosn('http://127.0.0.1:{port}/b/x.csv', 'CSV')", "cosn()"),
    ("HTTP with icebergS3()", "SELECT * FROM icebergS3('http://127.0.0.1:{port}/b/t/')", "icebergS3()"),
    ("HTTP with deltaLakeS3()", "SELECT * FROM deltaLakeS3('http://127.0.0.1:{port}/b/t/')", "deltaLakeS3()"),
    ("HTTP with s3()", "SELECT * FROM s3('http://127.0.0.1:{port}/b/x.csv', 'CSV')", "s3()"),
    ("HTTP with url()", "SELECT * FROM url('http://127.0.0.1:{port}/x', 'CSV', 'a String')", "url()"),
    ("a server with remote()", "SELECT * FROM remote('127.0.0.1:{port}', system.one)", "remote()"),
    ("MySQL with mysql()", "SELECT * FROM mysql('127.0.0.1:{port}', 'd', 't', 'u', 'p')", "mysql()"),
    ("a program with executable()", "SELECT * FROM executable('id', 'TSV', 'x String')", "executable()"),
    ("Python with python()", "SELECT * FROM python('os')", "python()"),
    ("other databases with merge()", "SELECT * FROM merge('system', '.*')", "merge()"),
    ("a dictionary with dictGet()", "SELECT dictGet('d', 'a', toUInt64(1))", "dictGet()"),
    ("another table with joinGet()", "SELECT joinGet('system.users', 'name', 1)", "joinGet()"),
    ("lift the time limit with SETTINGS", "SELECT count() FROM numbers(10) SETTINGS max_execution_time = 0",
     "SETTINGS"),
    ("lift the memory limit with SETTINGS", "SELECT 1 SETTINGS max_memory_usage = 0", "SETTINGS"),
    ("SETTINGS in a subquery", "SELECT * FROM (SELECT 1 SETTINGS max_result_rows = 0)", "SETTINGS"),
    ("SETTINGS of EXPLAIN", "EXPLAIN indexes = 1 SELECT 1", "SETTINGS"),
    ("leave read-only mode with SET", "SET readonly = 0", "SET"),
    ("insert", "INSERT INTO articles (id) VALUES ('evil')", "INSERT"),
    ("drop a table", "DROP TABLE articles", "DROP"),
    ("delete rows", "ALTER TABLE articles DELETE WHERE 1", "ALTER"),
    ("truncate a table", "TRUNCATE TABLE articles", "TRUNCATE"),
    ("create a table", "CREATE TABLE evil (a Int8) ENGINE = Memory", "CREATE"),
    ("optimize", "OPTIMIZE TABLE articles FINAL", "OPTIMIZE"),
    ("a SYSTEM statement", "SYSTEM DROP MARK CACHE", "SYSTEM"),
    ("kill queries", "KILL QUERY WHERE 1", "KILL"),
    ("grant", "GRANT ALL ON *.* TO default", "GRANT"),
    ("two statements", "SELECT 1; SELECT 2", "one statement"),
    ("a second statement behind a comment", "SELECT 1 -- '\n; SELECT 'x' INTO OUTFILE '{out}'", "one statement"),
    ("read system.users", "SELECT * FROM system.users", "system.users"),
    ("read system.users through IN", "SELECT 1 IN system.users", "system.users"),
    ("read system.users through a join", "SELECT * FROM articles AS a JOIN system.users AS u ON 1", "system.users"),
    ("read another database", "SELECT * FROM default.anything", "default.anything"),
    ("show a system table's definition", "SHOW CREATE TABLE system.users", "system.users"),
    ("show grants", "SHOW GRANTS", "SHOW GRANTS"),
    ("show users", "SHOW USERS", "SHOW"),
    ("show running queries", "SHOW PROCESSLIST", "SHOW PROCESSLIST"),
    ("choose the output format", "SELECT 1 FORMAT CSV", "FORMAT"),
]
