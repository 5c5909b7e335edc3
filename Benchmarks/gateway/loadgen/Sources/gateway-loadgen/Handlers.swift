import NIOCore
import NIOHTTP1
import NIOSSL
import NIOTLS

/// Monotonic nanoseconds.
@inline(__always) func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

/// Sends one CONNECT request, reads the proxy's answer and, on 200, replaces itself with the
/// handlers of the tunnelled connection (TLS, HTTP codec, load handler).
final class ProxyConnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: ByteBuffer
    private let slot: Slot
    private let next: (Channel) throws -> [any ChannelHandler]
    private var received: ByteBuffer?
    private var done = false

    init(request: ByteBuffer, slot: Slot, next: @escaping (Channel) throws -> [any ChannelHandler]) {
        self.request = request
        self.slot = slot
        self.next = next
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { context.fireChannelRead(data); return }
        var chunk = unwrapInboundIn(data)
        if received == nil { received = chunk } else { received!.writeBuffer(&chunk) }
        let view = received!.readableBytesView
        guard let end = headerEnd(view) else {
            if view.count > 65536 { fail(context, "proxy answer headers over 64 KiB") }
            return
        }
        let head = String(decoding: view[view.startIndex..<end], as: UTF8.self)
        let firstLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = firstLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]) else {
            fail(context, "malformed proxy answer: \(firstLine.prefix(80))")
            return
        }
        guard code == 200 else {
            fail(context, "CONNECT refused: \(firstLine.prefix(120))")
            return
        }
        done = true
        received!.moveReaderIndex(forwardBy: end - view.startIndex + 4)
        let rest = received!.readableBytes > 0 ? received : nil
        received = nil
        do {
            try context.pipeline.syncOperations.addHandlers(next(context.channel), position: .after(self))
        } catch {
            fail(context, "pipeline: \(error)")
            return
        }
        if let rest { context.fireChannelRead(wrapInboundOut(rest)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func headerEnd(_ view: ByteBufferView) -> Int? {
        guard view.count >= 4 else { return nil }
        var i = view.startIndex
        let last = view.endIndex - 3
        while i < last {
            if view[i] == 13, view[i + 1] == 10, view[i + 2] == 13, view[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !done else { context.fireErrorCaught(error); return }
        fail(context, "\(error)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done, !slot.stopping, now() < slot.run.deadline {
            done = true
            slot.noteError(.proxy, "connection closed before the answer to CONNECT")
        }
        context.fireChannelInactive()
    }

    private func fail(_ context: ChannelHandlerContext, _ message: String) {
        done = true
        slot.noteError(.proxy, message)
        context.close(promise: nil)
    }
}

/// Keep-alive GET requests on one connection, one in flight at a time: back to back in a closed
/// loop, or each at its due time on the slot's timetable in the open model.
final class LoadHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let slot: Slot
    private let head: HTTPRequestHead
    private let waitsForTLS: Bool
    private var running = false
    private var closing = false      // we closed on purpose: what follows is not an error
    private var reported = false     // this connection's failure is already counted
    private var dueAt: UInt64 = 0    // when the request in flight was due (= sentAt in a closed loop)
    private var sentAt: UInt64 = 0
    private var status: UInt = 0
    private var keepAlive = true
    private var bodyBytes = 0
    private var timer: Scheduled<Void>?

    init(slot: Slot, head: HTTPRequestHead, waitsForTLS: Bool) {
        self.slot = slot
        self.head = head
        self.waitsForTLS = waitsForTLS
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if !waitsForTLS, context.channel.isActive { begin(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if !waitsForTLS { begin(context) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if waitsForTLS, let tls = event as? TLSUserEvent, case .handshakeCompleted = tls { begin(context) }
        context.fireUserInboundEventTriggered(event)
    }

    private func begin(_ context: ChannelHandlerContext) {
        guard !running else { return }
        running = true
        if waitsForTLS, let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self) {
            slot.noteTLSVersion(tls.tlsVersion)
        }
        slot.connectionReady()
        sendNext(context)
    }

    private func close(_ context: ChannelHandlerContext) {
        closing = true
        context.close(promise: nil)
    }

    /// Closed loop: sends at once until the deadline. Open model: sends the next request on the
    /// timetable now if it is due (or overdue), else sets a timer for its due time.
    private func sendNext(_ context: ChannelHandlerContext) {
        if slot.stopping {
            close(context)
            return
        }
        let t = now()
        guard let timetable = slot.timetable else {
            if t >= slot.run.sendUntil {
                close(context)
            } else {
                transmit(context, due: t, at: t)
            }
            return
        }
        guard let due = timetable.due else { return }   // all sent: stay open until the stop
        if due <= t {
            slot.timetable!.advance()
            let lateness = t - due
            if lateness > slot.run.lateNanos { slot.stats.lateSends += 1 }
            slot.stats.maxLateness = max(slot.stats.maxLateness, lateness)
            transmit(context, due: due, at: t)
        } else {
            timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(due)) { [self] in
                timer = nil
                sendNext(context)
            }
        }
    }

    private func transmit(_ context: ChannelHandlerContext, due: UInt64, at t: UInt64) {
        slot.inFlight = true
        dueAt = due
        sentAt = t
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response):
            status = response.status.code
            keepAlive = response.isKeepAlive
            bodyBytes = 0
        case .body(let body):
            bodyBytes += body.readableBytes
        case .end:
            let t = now()
            slot.inFlight = false
            guard t <= slot.run.deadline, !slot.stopping else {
                close(context)
                return
            }
            if (200..<300).contains(status) {
                slot.stats.latency.recordClamped(t &- dueAt)
                slot.stats.service.recordClamped(t &- sentAt)
                slot.stats.bytes += bodyBytes
            } else {
                slot.noteError(.status, "HTTP status \(status)")
            }
            if keepAlive {
                sendNext(context)
            } else {
                slot.stats.serverCloses += 1
                close(context)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !slot.stopping, !closing, !reported, now() < slot.run.deadline {
            reported = true
            if !running {
                slot.noteError(.tls, "before first request: \(error)")
            } else {
                slot.noteError(.io, "\(error)")
            }
        }
        slot.inFlight = false
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if !slot.stopping, !closing, !reported, now() < slot.run.deadline {
            if !running {
                slot.noteError(.tls, "connection closed before the TLS handshake completed")
            } else if slot.inFlight {
                slot.noteError(.io, "connection closed with a request in flight")
            }
        }
        slot.inFlight = false
        context.fireChannelInactive()
    }
}
