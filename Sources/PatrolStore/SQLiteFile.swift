import FluentKit
import SQLKit

/// How Patrol lays out an SQLite database file (`PATROL_DATABASE_URL=sqlite:PATH`).
public enum SQLiteFile {
    /// The page size of a new file. A gateway record is about 2 KiB (headers and up to two bodies), so
    /// SQLite's default 4 KiB page held one record and most of a page went unused; with 16 KiB pages
    /// the recording writer needs about a quarter less CPU per record and the file is a sixth smaller
    /// (BENCHMARKS.md). An existing file keeps the page size it was created with.
    public static let pageSize = 16_384

    /// The write-ahead log size at which the gateway's writer, which commits nearly all the pages,
    /// copies the log back into the database (`wal_autocheckpoint`, set in pages). SQLite's default
    /// of 1,000 pages is 4 MiB with 4 KiB pages; this keeps that size whatever the page size.
    public static let checkpointBytes = 4 << 20

    /// Sets up the database behind `db` on first use: the page size (only a file without tables yet
    /// takes it), then write-ahead logging, so that the web pages read while the gateway writes
    /// and a commit costs one log write instead of a rollback journal's several. Both on one
    /// connection, because a page size set on one connection means nothing to the next.
    public static func prepare(_ db: any Database) async throws {
        try await db.withConnection { connection in
            guard let sql = connection as? any SQLDatabase else { return }
            try await sql.raw("PRAGMA page_size = \(unsafeRaw: String(pageSize))").run()
            try await sql.raw("PRAGMA journal_mode = WAL").run()
        }
    }
}
