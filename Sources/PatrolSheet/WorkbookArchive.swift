import Foundation
import ZIPFoundation

/// The zip container of an xlsx, opened in memory, handing out parts within the size limits.
///
/// Part names are matched without regard to case or slash direction because producers differ
/// (`xl/SharedStrings.xml`, backslashes from some Windows tools) and Office itself ignores both.
final class WorkbookArchive {
    private let archive: Archive
    private let entries: [String: Entry]
    private let limits: SheetLimits
    private var bytesRead: UInt64 = 0

    init(data: Data, limits: SheetLimits) throws(SheetError) {
        guard data.count <= limits.maxFileBytes else {
            throw .fileTooLarge(bytes: data.count, limit: limits.maxFileBytes)
        }
        // "PK\3\4" starts any zip with an entry, "PK\5\6" an empty one; checking first gives the
        // user "this is an .xls" instead of whatever the zip library makes of it.
        guard data.starts(with: [0x50, 0x4B, 0x03, 0x04]) || data.starts(with: [0x50, 0x4B, 0x05, 0x06]) else {
            throw .notAZip(FileSignature.of(data))
        }
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw .corruptArchive(entry: nil)
        }
        var entries: [String: Entry] = [:]
        var count = 0
        var declared: UInt64 = 0
        for entry in archive {
            count += 1
            guard count <= limits.maxEntries else { throw .tooManyEntries(count: count, limit: limits.maxEntries) }
            declared &+= entry.uncompressedSize
            entries[Self.key(entry.path)] = entry
        }
        // The directory's sizes are only a claim, checked again while inflating; but a claim over the
        // limit is reason enough to stop before inflating anything.
        guard declared <= limits.maxUncompressedBytes else { throw .uncompressedTooLarge(limit: limits.maxUncompressedBytes) }
        self.archive = archive
        self.entries = entries
        self.limits = limits
    }

    func contains(_ path: String) -> Bool { entries[Self.key(path)] != nil }

    /// The part's bytes, or nil when the archive has no such part.
    func read(_ path: String) throws(SheetError) -> Data? {
        guard let entry = entries[Self.key(path)] else { return nil }
        var data = Data()
        let limit = limits.maxUncompressedBytes
        var total = bytesRead
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                total += UInt64(chunk.count)
                guard total <= limit else { throw SheetError.uncompressedTooLarge(limit: limit) }
                data.append(chunk)
            }
        } catch let error as SheetError {
            throw error
        } catch {
            throw .corruptArchive(entry: path)
        }
        bytesRead = total
        return data
    }

    private static func key(_ path: String) -> String {
        var normalised = path.replacingOccurrences(of: "\\", with: "/").lowercased()
        while normalised.hasPrefix("/") { normalised.removeFirst() }
        return normalised
    }
}
