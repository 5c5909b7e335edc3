import Foundation
import NIOCore

/// The first `cap` bytes of a body, and how many there were in all.
struct BodyCapture {
    let cap: Int
    var kept = Data()
    var total = 0

    init(cap: Int) { self.cap = cap }

    mutating func add(_ buffer: ByteBuffer) {
        total += buffer.readableBytes
        let room = cap - kept.count
        if room > 0 { kept.append(contentsOf: buffer.readableBytesView.prefix(room)) }
    }

    func store(in body: inout Data?, size: inout Int, truncated: inout Bool) {
        size = total
        truncated = total > kept.count
        body = total == 0 ? nil : kept
    }
}
