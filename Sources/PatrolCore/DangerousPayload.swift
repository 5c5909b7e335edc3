/// Flags requests whose payload could destroy data or take a target down (SPEC §6), for the
/// organiser's attention. The request still goes through: the alert is recorded with it.
///
/// Matching is hand-written over bytes rather than regular expressions: one pass normalises the
/// text (`PayloadText`), one pass visits word starts and checks only the phrases that can begin
/// there, and one pass reads shell commands word by word (`PayloadScanner`). Every pass is linear in
/// the length of the text, whatever it holds, so a tester's large body cannot stall the gateway.
/// Patterns are phrases, never single words, so "delete" or "drop" in ordinary text,
/// `DELETE FROM t WHERE id=1`, `sleep(5)` and `/docs/rm-rf-guide` raise nothing.
///
/// - destructiveSQL: `DROP TABLE|DATABASE|SCHEMA x`; `TRUNCATE TABLE x`, or `TRUNCATE x` ending
///   the statement; `DELETE FROM x` with no `WHERE` before the statement ends; `ALTER TABLE x … DROP`.
///   A statement ends at `;`, `&` (the next URL parameter), a `--` or `#` comment, or the end of the text.
/// - shellDeletion: `rm` with recursive and force options in any spelling (`-rf`, `-fr`, `-r -f`,
///   `-Rf`, `--recursive --force`); Windows `del` with `/s` and `/q`; `rd` or `rmdir` with `/s`.
/// - massDeletion: Redis `FLUSHALL`, `FLUSHDB`; MongoDB `dropDatabase(`, `deleteMany({})`,
///   `remove({})`; `find … -delete`; `mkfs.x` or `mkfs -…`/`mkfs /dev/…`; `dd … of=/dev/` onto a
///   disk (sd, hd, vd, xvd, nvme, mmcblk, disk — not `/dev/null`); `format c:`; `UPDATE x SET c=…`
///   with no `WHERE` before the statement ends.
/// - denialOfService: the fork bomb `:(){ :|:& };:` in any spacing; `BENCHMARK(n, …)` with
///   n ≥ 1,000,000; `SLEEP(n)`, `pg_sleep(n)` or `WAITFOR DELAY '…'` of 30 s or more (shorter
///   sleeps are what time-based injection testing uses); an `<!ENTITY` whose value refers to other
///   entities at least twice (billion laughs); `shutdown`, `reboot`, `halt`, `poweroff` where a
///   shell runs a command (after `;`, `|`, `&`, a backtick or `$(`, optionally through `sudo`) and
///   followed by an option, a time or the end of the command; `kill -9 -1`.
///
/// Shell commands are read from their name (the last word of a shell word, so `/bin/rm` and
/// `cmd=rm` count) over at most 32 following words, until a command separator.
public enum DangerousPayload {
    /// Scans request text (URL + headers + body prefix): percent-decoded, '+' as space, case-insensitive, whitespace and SQL comments /* */ collapsed.
    public static func scan(_ bytes: some Collection<UInt8>) -> Set<PayloadAlert> {
        let text = bytes.withContiguousStorageIfAvailable { PayloadText($0) }
            ?? Array(bytes).withUnsafeBufferPointer { PayloadText($0) }
        var scanner = PayloadScanner(text)
        return scanner.alerts()
    }
}
