import NIOCore
import NIOHTTP1
import NIOSOCKS

/// Tells SOCKS5 from HTTP by the first byte (SOCKS5 greetings start with 0x05, HTTP with a method
/// name) and installs the matching handlers behind itself; it is the last handler, then leaves.
final class ProtocolSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let gateway: Gateway

    init(gateway: Gateway) { self.gateway = gateway }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        do {
            let sync = context.pipeline.syncOperations
            if first == 0x05 {
                try sync.addHandler(SOCKSServerHandshakeHandler())
                try sync.addHandler(SOCKS5Handler(gateway: gateway))
            } else {
                try HTTPProxyHandler.install(on: sync, handler: HTTPProxyHandler(gateway: gateway, intercept: nil))
            }
        } catch {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
