import Foundation

/// A bundle file read in two passes so that memory follows one finding, not the bundle: the first
/// pass checks everything but the findings (and counts them); the second hands the findings over,
/// checked, a batch at a time. JSON leaves the members' order free, and findings refer to units,
/// assets and teams that may come after them, hence two passes rather than one.
public final class BundleFileReader {
    public private(set) var checker: BundleChecker
    /// How many findings the file holds, counted in the first pass.
    public let findingCount: Int
    private let path: String
    private var scanner: BundleScanner?
    private var handle: FileHandle?
    private let decoder = JSONDecoder()

    public init(path: String) throws(BundleError) {
        self.path = path
        var head: [UInt8] = Array("{".utf8)
        var count = 0
        let handle = try Self.open(path)
        defer { try? handle.close() }
        var scanner = BundleScanner.file(handle, elementwise: [], skipped: ["findings"])
        while let part = try scanner.next() {
            switch part {
            case .member(let key, let value):
                guard key != "findings" else {
                    throw BundleError(record: "document", problem: .wrongType(field: "findings", expected: "Array"))
                }
                if head.count > 1 { head.append(UInt8(ascii: ",")) }
                head += Array("\"\(key)\":".utf8) + value
            case .element:
                count += 1
            }
        }
        if head.count > 1 { head.append(UInt8(ascii: ",")) }
        head += Array("\"findings\":[]}".utf8)
        checker = try BundleChecker(head: try CampaignBundle.decode(Data(head)))
        findingCount = count
    }

    /// The next findings, checked, at most `limit` of them; nil after the last.
    public func nextFindings(limit: Int) throws(BundleError) -> [CheckedBundle.Finding]? {
        if scanner == nil {
            let handle = try Self.open(path)
            self.handle = handle
            scanner = BundleScanner.file(handle, elementwise: ["findings"])
        }
        var batch: [CheckedBundle.Finding] = []
        while batch.count < limit, let part = try scanner!.next() {
            guard case .element("findings", let index, let value) = part else { continue }
            let entry = Data(value)
            let finding: CampaignBundle.Finding
            do {
                finding = try decoder.decode(CampaignBundle.Finding.self, from: entry)
            } catch let error as DecodingError {
                throw BundleError.fromDecoding(error, list: "findings", index: index, entry: entry)
            } catch {
                throw BundleError(record: "findings[\(index)]", problem: .notJSON(String(describing: error)))
            }
            batch.append(try checker.check(finding))
        }
        if batch.isEmpty {
            try? handle?.close()
            handle = nil
            return nil
        }
        return batch
    }

    /// The checks that need every finding; call after `nextFindings` returned nil.
    public func finish() throws(BundleError) {
        guard checker.findingsSeen == findingCount else {
            throw BundleError(record: "document", problem: .notJSON("the file changed while it was read"))
        }
        try checker.finish()
    }

    private static func open(_ path: String) throws(BundleError) -> FileHandle {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BundleError(record: "document", problem: .notJSON("cannot read \(path)"))
        }
        return handle
    }
}
