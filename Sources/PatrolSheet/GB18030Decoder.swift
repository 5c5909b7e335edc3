import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// GB18030 (and so GBK, its subset) to Swift text through the C library's iconv.
///
/// Foundation on Linux can decode GB18030 but says only "nil" on bad input; iconv stops at the
/// offending byte, which is what an error message needs to point the user at.
enum GB18030Decoder {
    enum Failure: Error {
        case invalid(offset: Int)
        case unavailable
    }

    static func decode(_ bytes: [UInt8]) throws(Failure) -> String {
        let converter = iconv_open("UTF-8", "GB18030")
        guard let converter, converter != iconv_t(bitPattern: -1) else { throw .unavailable }
        defer { iconv_close(converter) }
        // Every GB18030 sequence becomes at most one and a half times as many UTF-8 bytes.
        var output = [UInt8](repeating: 0, count: bytes.count * 2 + 16)
        var input = bytes
        let total = input.count
        var inputLeft = total
        var outputLeft = output.count
        let result = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                var inputPointer: UnsafeMutablePointer<CChar>? = inputBuffer.baseAddress.map {
                    UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self)
                }
                var outputPointer: UnsafeMutablePointer<CChar>? = outputBuffer.baseAddress.map {
                    UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self)
                }
                return iconv(converter, &inputPointer, &inputLeft, &outputPointer, &outputLeft)
            }
        }
        guard result != -1 || total == 0, inputLeft == 0 else { throw .invalid(offset: total - inputLeft) }
        return String(decoding: output[..<(output.count - outputLeft)], as: UTF8.self)
    }
}
