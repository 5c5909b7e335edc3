import Foundation
import NIOCore
import PatrolStore

/// Counts a tunnel's bytes each way and writes its record once both sides have closed. Both sides
/// live on one event loop, so it needs no lock.
final class TunnelMeter {
    let gateway: Gateway
    var row: GatewayRecordRow
    let started = NIODeadline.now()
    var up: Int64 = 0
    var down: Int64 = 0
    private var closedSides = 0

    init(gateway: Gateway, row: GatewayRecordRow) {
        self.gateway = gateway
        self.row = row
    }

    func sideClosed() {
        closedSides += 1
        guard closedSides == 2 else { return }
        row.bytesUp = up
        row.bytesDown = down
        row.durationMs = Int((NIODeadline.now() - started).nanoseconds / 1_000_000)
        gateway.record(row)
    }
}
