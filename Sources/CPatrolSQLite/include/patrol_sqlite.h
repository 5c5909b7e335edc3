// The few SQLite C functions the gateway's record writer calls directly, declared against the copy
// of SQLite that sqlite-nio already links into Patrol (its symbols carry the `sqlite_nio_` prefix).
//
// Why not a second SQLite library: two copies of SQLite in one process do not see each other's
// POSIX locks, and closing a file in one copy drops the locks the other holds, which can corrupt
// the database (sqlite.org/howtocorrupt.html, "multiple copies of SQLite linked into the same
// application"). Why not through SQLiteNIO: it prepares every statement anew and copies every
// value, which was about a quarter of the gateway's recording time, and it has no public way to keep
// a prepared statement. sqlite-nio does not export its C target as a product, so the prototypes are
// repeated here with the types of sqlite3.h. Should sqlite-nio rename them, linking fails loudly.
#ifndef PATROL_SQLITE_H
#define PATROL_SQLITE_H

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef long long patrol_sqlite3_int64;
typedef unsigned long long patrol_sqlite3_uint64;

int sqlite_nio_sqlite3_open_v2(const char *filename, sqlite3 **ppDb, int flags, const char *zVfs);
int sqlite_nio_sqlite3_close_v2(sqlite3 *db);
int sqlite_nio_sqlite3_exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **), void *arg, char **errmsg);
int sqlite_nio_sqlite3_busy_timeout(sqlite3 *db, int ms);
int sqlite_nio_sqlite3_get_autocommit(sqlite3 *db);
const char *sqlite_nio_sqlite3_errmsg(sqlite3 *db);
int sqlite_nio_sqlite3_extended_errcode(sqlite3 *db);
int sqlite_nio_sqlite3_prepare_v3(sqlite3 *db, const char *zSql, int nByte, unsigned int prepFlags, sqlite3_stmt **ppStmt,
                                  const char **pzTail);
int sqlite_nio_sqlite3_finalize(sqlite3_stmt *stmt);
int sqlite_nio_sqlite3_reset(sqlite3_stmt *stmt);
int sqlite_nio_sqlite3_step(sqlite3_stmt *stmt);
patrol_sqlite3_int64 sqlite_nio_sqlite3_column_int64(sqlite3_stmt *stmt, int column);
int sqlite_nio_sqlite3_bind_null(sqlite3_stmt *stmt, int index);
int sqlite_nio_sqlite3_bind_int64(sqlite3_stmt *stmt, int index, patrol_sqlite3_int64 value);
int sqlite_nio_sqlite3_bind_double(sqlite3_stmt *stmt, int index, double value);
int sqlite_nio_sqlite3_bind_text64(sqlite3_stmt *stmt, int index, const char *text, patrol_sqlite3_uint64 bytes,
                                   void (*destructor)(void *), unsigned char encoding);
int sqlite_nio_sqlite3_bind_blob64(sqlite3_stmt *stmt, int index, const void *data, patrol_sqlite3_uint64 bytes,
                                   void (*destructor)(void *));

enum {
    PATROL_SQLITE_OK = 0,
    PATROL_SQLITE_ROW = 100,
    PATROL_SQLITE_DONE = 101,
    PATROL_SQLITE_OPEN_READWRITE = 0x00000002,
    PATROL_SQLITE_OPEN_URI = 0x00000040,
    PATROL_SQLITE_OPEN_FULLMUTEX = 0x00010000,
    PATROL_SQLITE_OPEN_EXRESCODE = 0x02000000,
    PATROL_SQLITE_PREPARE_PERSISTENT = 0x01,
    PATROL_SQLITE_UTF8 = 1,
};

#endif
