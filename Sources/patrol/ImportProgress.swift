import Foundation

/// The import's progress on the terminal: one line on standard error, rewritten in place, and only
/// when standard error is a terminal (a log file gets no carriage returns).
final class ImportProgress: @unchecked Sendable {
    private let total: Int
    private let started = Date()
    private let lock = NSLock()
    private var shown = false
    private let interactive = isatty(FileHandle.standardError.fileDescriptor) != 0

    init(total: Int) { self.total = total }

    func show(_ written: Int) {
        guard interactive else { return }
        lock.lock(); defer { lock.unlock() }
        let seconds = Date().timeIntervalSince(started)
        let line = String(format: "\rfindings written %d of %d (%.0f%%), %.1f s", written, total,
                          total == 0 ? 100 : Double(written) * 100 / Double(total), seconds)
        FileHandle.standardError.write(Data(line.utf8))
        shown = true
    }

    func end() {
        lock.lock(); defer { lock.unlock() }
        if shown { FileHandle.standardError.write(Data("\n".utf8)); shown = false }
    }
}
