/// A kind of dangerous payload seen in a tester's request (SPEC §6). Raw values are stored with the
/// request record.
public enum PayloadAlert: String, Sendable, CaseIterable, Codable {
    /// Drops or empties tables: DROP TABLE/DATABASE/SCHEMA, TRUNCATE, DELETE without WHERE, ALTER TABLE … DROP.
    case destructiveSQL
    /// Recursive forced deletion from a shell: `rm -rf`, `del /s /q`, `rd /s`.
    case shellDeletion
    /// Wipes a data store or a disk: Redis FLUSHALL, MongoDB dropDatabase/deleteMany({}), `find -delete`,
    /// `mkfs`, `dd of=/dev/sd…`, `format c:`, UPDATE without WHERE.
    case massDeletion
    /// Takes the target down: fork bombs, long BENCHMARK/SLEEP/WAITFOR, entity expansion, shutdown commands.
    case denialOfService
}
