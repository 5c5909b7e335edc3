import NIOCore
import NIOPosix
import PatrolCore

/// Opens the target side of a tunnel (CONNECT without interception, SOCKS5) on the client's event
/// loop, so both glue handlers share a thread. The target connection does not read until its glue
/// is in place: a server that speaks first (SSH, SMTP) loses nothing.
enum Tunnel {
    static func connect(to address: IPAddress, port: Int, meter: TunnelMeter, on eventLoop: any EventLoop, timeout: Double,
                        completion: @escaping (Result<GlueHandler, any Error>) -> Void) {
        let socketAddress: SocketAddress
        do { socketAddress = try address.socketAddress(port: port) } catch { return completion(.failure(error)) }
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.milliseconds(Int64(timeout * 1000)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: false)
            .connect(to: socketAddress)
            .assumeIsolated().whenComplete { result in
                switch result {
                case .success(let channel):
                    let (client, upstream) = GlueHandler.pair(meter: meter)
                    do {
                        try channel.pipeline.syncOperations.addHandler(upstream)
                        channel.setOption(.autoRead, value: true).whenFailure { _ in channel.close(promise: nil) }
                        completion(.success(client))
                    } catch {
                        channel.close(promise: nil)
                        completion(.failure(error))
                    }
                case .failure(let error):
                    completion(.failure(error))
                }
            }
    }
}
