import CompressNIO
import Foundation
import NIOCore

/// Bodies are stored zlib-compressed (SPEC §6: bodies up to a cap, stored compressed). One
/// compressor serves a whole batch: zlib's set-up allocates a few hundred KiB, too much per request.
public struct RecordedBody {
    let compressor: ZlibCompressor

    public init() throws {
        compressor = try ZlibCompressor(algorithm: .zlib)
    }

    public func compress(_ data: Data) throws -> Data {
        try compressor.reset()
        var input = ByteBuffer(bytes: data)
        var output = ByteBuffer()
        output.reserveCapacity(compressor.maxSize(from: input))
        try compressor.deflate(from: &input, to: &output, flush: .finish)
        return Data(output.readableBytesView)
    }

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
