import XCTest
@testable import PatrolCore

/// Every pattern of `DangerousPayload`, spelled the ways testers and tools send it, and the
/// ordinary text that must stay quiet.
final class DangerousPayloadTests: XCTestCase {
    private func scan(_ text: String) -> Set<PayloadAlert> {
        DangerousPayload.scan(Array(text.utf8))
    }

    private func assertAlerts(_ alert: PayloadAlert, _ texts: [String], file: StaticString = #filePath, line: UInt = #line) {
        for text in texts {
            XCTAssertEqual(scan(text), [alert], text, file: file, line: line)
        }
    }

    func testNormalisation() {
        func normalised(_ s: String) -> String {
            String(decoding: Array(s.utf8).withUnsafeBufferPointer { PayloadText($0).bytes }, as: UTF8.self)
        }
        XCTAssertEqual(normalised("DROP/**/TABLE%09x"), "drop table x")
        XCTAssertEqual(normalised("  a \n\t\r b  "), "a b")
        XCTAssertEqual(normalised("a\\nb\\tc\\r\\nd"), "a b c d")
        XCTAssertEqual(normalised("%41%2b+b%2"), "a+ b%2")
        XCTAssertEqual(normalised("%zz%4"), "%zz%4")
        XCTAssertEqual(normalised("a%00b"), "a b")
        XCTAssertEqual(normalised("/*!50000DROP*/TABLE"), "drop table")
        XCTAssertEqual(normalised("a/* one */ /* two */b"), "a b")
        XCTAssertEqual(normalised("a/*/b"), "a/*/b")
        XCTAssertEqual(normalised("/files/* x"), "/files/* x")
    }

    func testDestructiveSQL() {
        assertAlerts(.destructiveSQL, [
            "DROP TABLE users", "1'; drop table users--", "DROP/**/TABLE/**/users", "drop%20database%20shop",
            "DROP+SCHEMA+public+CASCADE", "DrOp\tTaBlE `users`", "/*!50000DROP*/ TABLE users", "drop table if exists users",
            "TRUNCATE TABLE logs", "truncate users;", "';TRUNCATE users--", "q=truncate users", "truncate users&page=2",
            "DELETE FROM users", "delete from users;", "1; DELETE FROM users -- WHERE id=1", "DELETE FROM users&id=1",
            "delete from `shop`.`orders` # where id=1", "{\"sql\":\"DELETE FROM logs\"}",
            "ALTER TABLE users DROP COLUMN password", "alter table t drop partition p0;",
        ])
    }

    func testShellDeletion() {
        assertAlerts(.shellDeletion, [
            "rm -rf /", "rm -fr /tmp/x", "rm -r -f /var", "rm --recursive --force /", "; rm -Rf /", "rm -rfv /srv",
            "sudo rm -rf --no-preserve-root /", "cmd=rm+-rf+%2F", "x=1|rm -f -r ~", "rm /srv -rf", "/files/*?q=;rm -rf /",
            "del /s /q C:\\*", "del /F /S /Q c:\\windows", "del /s/q x", "DEL /Q /S *.*",
            "rd /s /q C:\\", "rmdir /s C:\\data", "RD /S C:\\",
        ])
    }

    func testMassDeletion() {
        assertAlerts(.massDeletion, [
            "FLUSHALL", "*1\r\n$8\r\nFLUSHALL\r\n", "flushdb", "db.dropDatabase()", "db.dropDatabase ( )",
            "db.users.deleteMany({})", "db.users.deleteMany( { } )", "db.users.deleteMany({}, {w: 1})", "db.users.remove({})",
            "find / -name '*.log' -delete", "find . -delete",
            "mkfs.ext4 /dev/sda1", "mkfs -t ext4 /dev/sdb", "mkfs /dev/vdb",
            "dd if=/dev/zero of=/dev/sda bs=1M", "dd if=/dev/urandom of=/dev/nvme0n1", "dd of=/dev/xvda if=/dev/zero",
            "format c: /q", "FORMAT D:",
            "UPDATE users SET password='x'", "update users set role = 'admin';--", "UPDATE users SET a=1 -- WHERE id=2",
        ])
    }

    func testDenialOfService() {
        let billionLaughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
             <!ENTITY lol "lol">
             <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
             <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
            ]>
            <lolz>&lol2;</lolz>
            """
        assertAlerts(.denialOfService, [
            ":(){ :|:& };:", ":(){:|:&};:", ": ( ) { : | : & } ; :", "x=%3A%28%29%7B%20%3A%7C%3A%26%20%7D%3B%3A",
            "BENCHMARK(1000000,MD5(1))", "benchmark(50000000, sha1('x'))", "1 AND BENCHMARK( 5000000 ,MD5(1))",
            "SLEEP(30)", "1' AND SLEEP(60)--", "sleep( 30.5 )", "pg_sleep(30)", "SELECT pg_sleep(300)", "dbms_lock.sleep(100)",
            "WAITFOR DELAY '0:0:30'", "waitfor delay '00:01:00'", "WAITFOR DELAY '00:00:45.500'", "WAITFOR DELAY '01:00'",
            billionLaughs,
            "; shutdown -h now", "| reboot", "&& halt", "`reboot`", "$(poweroff)", "; sudo reboot", "x;shutdown", "; shutdown now", ";halt -p", "&shutdown /s /t 0",
            "cmd=%3Breboot&x=1", "{\"cmd\":\"|reboot\"}",
            "kill -9 -1", "; kill -KILL -1",
        ])
    }

    func testShellCommandsEndAtSeparatorsAndAfter32Words() {
        let paths = (1...31).map { "/p\($0)" }.joined(separator: " ")
        XCTAssertEqual(scan("rm \(paths) -rf"), [.shellDeletion])          // the 32nd word is still read
        XCTAssertEqual(scan("rm \(paths) /p32 -rf"), [])                   // the 33rd is not
        XCTAssertEqual(scan("/bin/rm -rf /"), [.shellDeletion])
        XCTAssertEqual(scan("\"rm -rf /\""), [.shellDeletion])
        for text in ["rm x; echo -rf", "rm -r x | grep -f y", "rm x && ls -rf", "find . -name x; echo -delete",
                     "del /s x & dir /q", "(rm -r x) -f", "dd if=/dev/zero > of=/dev/sda", "kill -9; -1", "echo -rm -rf"] {
            XCTAssertEqual(scan(text), [], text)
        }
    }

    func testSeveralAlertsAtOnce() {
        XCTAssertEqual(scan("DROP TABLE users; rm -rf /; FLUSHALL; SLEEP(100)"),
                       [.destructiveSQL, .shellDeletion, .massDeletion, .denialOfService])
    }

    func testOrdinaryTextStaysQuiet() {
        for text in [
            "", "Please delete this comment", "drop it", "delete", "DROP", "DELETE FROM t WHERE id=1",
            "delete from users where id = 1;", "DELETE FROM users WHERE id IN (1,2)", "DELETE /api/users/1 HTTP/1.1",
            "sleep(5)", "SLEEP(29)", "pg_sleep(10)", "WAITFOR DELAY '0:0:5'", "waitfor delay '00:00:29.999'",
            "/docs/rm-rf-guide", "GET /docs/rm-rf-guide HTTP/1.1", "/bin/rm-rf", "The dropdown table shows", "backdrop table",
            "truncate the string", "Truncate long lines in the table", "update your set of rules",
            "UPDATE users SET name='x' WHERE id=1", "update t set a == 1", "benchmark(1000,md5(1))", "BENCHMARK(999999,MD5(1))",
            "we will reboot the server tonight", "halt and catch fire", "shutdown", "Sleep well; reboot notes follow", "dd if=/dev/zero of=/dev/null",
            "kill -9 1234", "kill -1", "rm file.txt", "rm -r dir", "rm -f file", "rm -rx /", "find . -name x", "format: json",
            "date format c", "/wiki/mkfs", "mkfs-guide", "<!ENTITY copy \"&#169;\">", "<!ENTITY a \"&amp;&lt;&gt;\">",
            "<!ENTITY x \"&lol;\">", "db.users.remove({_id: 1})", "db.users.deleteMany({status: 'x'})", "flush all",
            "del file.txt", "del /q file.txt", "rd C:\\temp", "a:b(){}", "100% sure", "x /* y drop table",
        ] {
            XCTAssertEqual(scan(text), [], text)
        }
    }

    func testOrdinaryRequestStaysQuiet() {
        let request = """
            https://www.example.gov.cn/search?q=how+to+delete+a+row+from+a+table&page=2&sort=updated&lang=zh-CN
            Host: www.example.gov.cn
            User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36
            Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8
            Accept-Language: zh-CN,zh;q=0.9,en;q=0.8
            Cookie: session=3f2a9c1e; theme=dark; last_visit=2022-05-16T10:00:00Z
            Content-Type: application/json

            {"title":"Drop-in replacement for the update service","body":"We will format the report, truncate the \
            summary and drop the old sections. Sleep well; reboot notes follow. Find the table of contents in the \
            appendix and remove duplicates from the list before the deadline.","tags":["ops","docs"],"limit":30}
            """
        XCTAssertEqual(scan(request), [])
    }

    func testAcceptsAnyCollectionOfBytes() {
        XCTAssertEqual(DangerousPayload.scan(Array("rm -rf /".utf8)[...]), [.shellDeletion])
        XCTAssertEqual(DangerousPayload.scan("FLUSHALL".utf8), [.massDeletion])
    }
}
