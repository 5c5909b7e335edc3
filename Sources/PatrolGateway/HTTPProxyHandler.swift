import Foundation
import NIOCore
import NIOHTTP1
import PatrolStore

/// The HTTP face of the gateway (SPEC §6): absolute-URI requests are authenticated, admitted and
/// forwarded to the checked address; CONNECT becomes a tunnel or, with interception on, a TLS
/// endpoint whose decrypted requests come back through a second instance of this handler.
/// `RequestSequencer` in front hands over one request at a time, which keeps pipelined requests
/// in order; reads from the client are held while a request waits for its decision or
/// connection, and while the target cannot take more.
final class HTTPProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum Phase {
        /// Waiting for a request head.
        case idle
        /// Waiting for the name to resolve or the target to connect; request parts are buffered.
        case waiting
        /// The target has the request; its response is relayed.
        case forwarding
        /// A response (refusal, upstream error) has been sent; the rest of the request is dropped.
        case draining
        /// Handed over to a tunnel or TLS interception; this handler is leaving the pipeline.
        case handedOver
    }

    let gateway: Gateway
    let intercept: InterceptedTarget?
    var phase = Phase.idle
    var exchange: Exchange?
    var upstream: Upstream?
    private(set) var context: ChannelHandlerContext?
    var readPending = false
    private(set) var client = ""
    /// The tester who authenticated on this connection, kept so the kill switch can find it.
    var registered: UUID?
    /// The last credentials that passed on this connection (the header, and the user name it
    /// carried), the view they were checked against and the tester they proved. A newer view takes
    /// them while it holds that user name with the same token hash — what checking the token again
    /// would compare — so a refresh (twice a second) does not cost every connection a base64 decode
    /// and a SHA-256; a rotated token or a removed tester fails that and is checked in full.
    var authenticated: (header: String, username: String, view: GatewayView, tester: GatewayDirectory.Tester)?
    private var backlogWait = false
    /// A tunnel or interception ready to take over, waiting for the decoder to finish the CONNECT
    /// request: handing over before its end would deliver that end to the TLS or tunnel handler.
    var pendingHandOver: ((ChannelPipeline.SynchronousOperations) throws -> Void)?

    init(gateway: Gateway, intercept: InterceptedTarget?) {
        self.gateway = gateway
        self.intercept = intercept
    }

    /// Adds the HTTP server handlers and `handler` at the end of the pipeline.
    static func install(on sync: ChannelPipeline.SynchronousOperations, handler: HTTPProxyHandler) throws {
        try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
        try sync.addHandler(HTTPResponseEncoder())
        // A request line or header the parser refuses (a control byte or a space in a name) gets a
        // 400 and a close, not a silent reset.
        try sync.addHandler(HTTPServerProtocolErrorHandler())
        try sync.addHandler(RequestSequencer())
        try sync.addHandler(handler)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        client = Self.describe(context.channel.remoteAddress)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .idle = phase else { return }
            start(head, context: context)
        case .body(let buffer):
            guard let exchange else { return }
            exchange.requestBody.add(buffer)
            switch phase {
            case .waiting: exchange.buffered.append(.body(.byteBuffer(buffer)))
            case .forwarding: upstream?.handler.send(.body(.byteBuffer(buffer)), flush: true)
            default: break
            }
        case .end(let trailers):
            guard let exchange else { return }
            exchange.requestEnded = true
            if let install = pendingHandOver {
                pendingHandOver = nil
                return handOver(context: context, install: install)
            }
            switch phase {
            case .waiting: exchange.buffered.append(.end(trailers))
            case .forwarding: upstream?.handler.send(.end(trailers), flush: true)
            case .draining: finishDraining(context: context)
            default: break
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let exchange, case .forwarding = phase {
            exchange.row.reason = exchange.row.reason ?? "client_closed"
            finish(exchange)
        }
        exchange = nil
        upstream?.channel.close(promise: nil)
        upstream = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { upstream?.handler.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if gateway.batcher.isBacklogged {
            // Records are not being written as fast as they come: wait for the writer, not memory.
            guard !backlogWait else { return }
            backlogWait = true
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(2)) { [self] in
                backlogWait = false
                if let context = self.context { self.read(context: context) }
            }
            return
        }
        switch phase {
        case .waiting:
            readPending = true
        case .forwarding where !(upstream?.channel.isWritable ?? true):
            readPending = true
        default:
            context.read()
        }
    }

    func resumeClientReads() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    var clientWritable: Bool { context?.channel.isWritable ?? false }
}
