import NIOCore
import NIOHTTP1

/// Hands the proxy handler one request at a time, in order, as NIO's `HTTPServerPipelineHandler`
/// does — but holds the client's reads only once a pipelined request has actually arrived.
///
/// NIO's handler stops reading after every request until its response has ended. On a keep-alive
/// connection that is two `epoll_ctl` calls per request (read interest off, then on again): two of
/// the six system calls the gateway made per proxied request (strace at benchmark load), for
/// pipelining that almost no client does. Here a request that arrives while the previous one's
/// response is still going is kept, with everything after it, and reads stop until it is handed on;
/// what one read brought is all that is ever kept.
final class RequestSequencer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Event {
        case part(HTTPServerRequestPart)
        case inputClosed
        case error(any Error)
    }

    /// A request has been handed on and its response has not ended yet.
    private var responsePending = false
    /// What arrived behind a request whose response was pending, in order.
    private var held = CircularBuffer<Event>()
    /// A read the next handler asked for while requests were held.
    private var readPending = false
    /// Handing on held events (a refusal answered synchronously comes back through `write`).
    private var delivering = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !held.isEmpty { return held.append(.part(part)) }
        if case .head = part {
            if responsePending { return held.append(.part(part)) }
            responsePending = true
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !held.isEmpty, let event = event as? ChannelEvent, event == .inputClosed { return held.append(.inputClosed) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !held.isEmpty { return held.append(.error(error)) }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Nobody is left to answer them.
        held.removeAll()
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if held.isEmpty {
            context.read()
        } else {
            readPending = true
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd = if case .end = unwrapOutboundIn(data) { true } else { false }
        context.write(data, promise: promise)
        guard isEnd else { return }
        responsePending = false
        handOnHeld(context: context)
    }

    /// Leaving the pipeline (a CONNECT handed over): what was held goes on, as NIO's handler does.
    func handlerRemoved(context: ChannelHandlerContext) {
        while let event = held.popFirst() { fire(event, context: context) }
        if readPending {
            readPending = false
            context.read()
        }
    }

    private func handOnHeld(context: ChannelHandlerContext) {
        guard !delivering, !held.isEmpty else { return }
        delivering = true
        defer { delivering = false }
        while let event = held.first {
            if case .part(.head) = event {
                if responsePending { break }
                responsePending = true
            }
            held.removeFirst()
            fire(event, context: context)
        }
        context.fireChannelReadComplete()
        if held.isEmpty && readPending {
            readPending = false
            context.read()
        }
    }

    private func fire(_ event: Event, context: ChannelHandlerContext) {
        switch event {
        case .part(let part): context.fireChannelRead(wrapInboundOut(part))
        case .inputClosed: context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        case .error(let error): context.fireErrorCaught(error)
        }
    }
}
