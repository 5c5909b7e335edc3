import NIOCore

/// Closes a client connection that has carried no bytes either way for the idle timeout, which also
/// ends half-open connections whose peer vanished. It sits first in the pipeline, so it sees every
/// read and every write of the HTTP, SOCKS5, tunnel and TLS handlers behind it.
///
/// NIO's `IdleStateHandler` reads the clock and attaches a promise to every write to learn when it
/// completed: a few allocations per response on the gateway's hottest path. Here a read or write
/// only sets a flag, and a timer looks at it every quarter of the timeout: four looks in a row
/// without traffic close the connection, between one and one and a quarter timeouts after its
/// last byte.
final class IdleCloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    static let looks = 4
    let timeout: TimeAmount
    private var busy = false
    private var quietLooks = 0
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { schedule(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if timer == nil { schedule(context) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        busy = true
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        busy = true
        context.write(data, promise: promise)
    }

    private func schedule(_ context: ChannelHandlerContext) {
        let interval = TimeAmount.nanoseconds(max(timeout.nanoseconds / Int64(Self.looks), 1))
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: interval) { [self] in
            look(context)
        }
    }

    private func look(_ context: ChannelHandlerContext) {
        timer = nil
        guard context.channel.isActive else { return }
        if busy {
            busy = false
            quietLooks = 0
        } else {
            quietLooks += 1
            if quietLooks >= Self.looks {
                context.close(promise: nil)
                return
            }
        }
        schedule(context)
    }
}
