import CompressNIO
import Foundation
import NIOCore
import PatrolStore

/// Bodies are stored zlib-compressed (SPEC §6: bodies up to a cap, stored compressed). One pair of
/// compressors serves a whole batch: zlib's set-up allocates a few hundred KiB, too much per request.
///
/// Text (HTML, JSON, form posts, the payloads reviewers read) is deflated at level 1, which on web
/// content keeps nearly all of level 6's saving at about half the cost. Bodies that will not shrink —
/// images, archives, already gzip- or brotli-encoded responses, random bytes — are written as zlib
/// *stored* blocks: still one format for the reader, but without the match search that cost ~25 µs
/// per KiB for nothing (the largest part of the gateway's recording time at benchmark load).
public struct RecordedBody {
    let deflate: ZlibCompressor
    let store: ZlibCompressor

    public init() throws {
        deflate = try ZlibCompressor(algorithm: .zlib, configuration: ZlibConfiguration(compressionLevel: 1))
        store = try ZlibCompressor(algorithm: .zlib, configuration: ZlibConfiguration(compressionLevel: 0))
    }

    public func compress(_ data: Data) throws -> Data {
        let compressor = Self.looksIncompressible(data) ? store : deflate
        try compressor.reset()
        var input = ByteBuffer(bytes: data)
        var output = ByteBuffer()
        output.reserveCapacity(compressor.maxSize(from: input))
        try compressor.deflate(from: &input, to: &output, flush: .finish)
        return Data(output.readableBytesView)
    }

    /// Puts the row's bodies in their stored form, once: a row that goes back to the queue after a
    /// failed write keeps the mark and is not compressed again.
    public func compressBodies(of row: inout GatewayRecordRow) throws {
        guard !row.bodiesCompressed else { return }
        if let data = row.requestBody, !data.isEmpty { row.requestBody = try compress(data) }
        if let data = row.responseBody, !data.isEmpty { row.responseBody = try compress(data) }
        row.bodiesCompressed = true
    }

    /// Bits of order-0 entropy per byte above which deflate gains (almost) nothing. Text and markup
    /// sit around 4.5–5.5, base64 at 6; compressed and encrypted data above 7.5 even in a 1 KiB sample.
    static let incompressibleEntropy = 7.2
    /// The sample the estimate is taken on: enough for a stable estimate, cheap next to deflate.
    static let entropySample = 4096

    /// Whether deflate would not shrink `data` worth the effort, judged on the byte histogram of its
    /// first few KiB (a microsecond, against tens of microseconds for a fruitless deflate).
    static func looksIncompressible(_ data: Data) -> Bool {
        let count = min(data.count, entropySample)
        // Below this a histogram says little, and deflating so little is cheap anyway.
        guard count >= 256 else { return false }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { histogram in
            histogram.initialize(repeating: 0)
            data.withUnsafeBytes { raw in
                for byte in raw.prefix(count) { histogram[Int(byte)] &+= 1 }
            }
            // H = log2(N) − Σ n·log2(n) / N, with n·log2(n) from a table instead of a log per byte value.
            var sum = 0.0
            for n in histogram { sum += nLog2n[n] }
            let total = Double(count)
            return log2(total) - sum / total >= incompressibleEntropy
        }
    }
    private static let nLog2n: [Double] = (0...entropySample).map { $0 == 0 ? 0 : Double($0) * log2(Double($0)) }

    /// The stored bytes back; `limit` guards the reader against a corrupt or hostile row.
    public static func decompress(_ data: Data, limit: Int = 16 * 1024 * 1024) throws -> Data {
        var input = ByteBuffer(bytes: data)
        let decompressor = try ZlibDecompressor(algorithm: .zlib)
        var result = Data()
        while true {
            var window = ByteBuffer()
            window.reserveCapacity(64 * 1024)
            do {
                try decompressor.inflate(from: &input, to: &window)
                result.append(contentsOf: window.readableBytesView)
                return result
            } catch let error as CompressNIOError where error == .bufferOverflow {
                result.append(contentsOf: window.readableBytesView)
                if result.count > limit { throw CompressNIOError.bufferOverflow }
            }
        }
    }
}
