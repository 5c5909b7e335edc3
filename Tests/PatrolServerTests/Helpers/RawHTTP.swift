import Foundation
import NIOCore
import NIOPosix
import Vapor

/// HTTP/1.1 exchanges over fresh TCP connections, the request bytes exactly as given: for what no
/// client library sends (a body that stops half-way, a declared length never sent) and for truly
/// parallel requests against a server listening on a real socket.
enum RawHTTP {
    struct Answer: Sendable {
        var status: Int
        var head: String
        var body: String
    }

    struct NoAnswer: Error, CustomStringConvertible {
        var seconds: Int64
        var description: String { "no complete answer within \(seconds) s" }
    }

    /// Connects to 127.0.0.1:`port`, writes `request`, and reads one response: up to its
    /// `Content-Length`, or to the server's close. Fails when none is complete within `timeout`
    /// (the request may leave its body unfinished on purpose).
    static func exchange(port: Int, _ request: [UInt8], timeout: TimeAmount = .seconds(10)) async throws -> Answer {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: [UInt8].self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(promise)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let timer = channel.eventLoop.scheduleTask(in: timeout) { promise.fail(NoAnswer(seconds: timeout.nanoseconds / 1_000_000_000)) }
        channel.writeAndFlush(ByteBuffer(bytes: request), promise: nil)
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        let bytes = try await promise.futureResult.get()
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw NoAnswer(seconds: 0) }
        let head = String(text[..<split.lowerBound])
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return Answer(status: status, head: head, body: String(text[split.upperBound...]))
    }

    /// A request's bytes: the head with `Host` and the given headers, then `body`.
    static func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return Array((head + "\r\n").utf8) + body
    }

    /// Collects bytes until one whole response is in, then completes the promise.
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<[UInt8]>
        var bytes: [UInt8] = []

        init(_ promise: EventLoopPromise<[UInt8]>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
            if isComplete { promise.succeed(bytes) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.succeed(bytes)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // The server may reset a connection whose body it will not read; what came before counts.
            if bytes.isEmpty { promise.fail(error) } else { promise.succeed(bytes) }
            context.close(promise: nil)
        }

        private var isComplete: Bool {
            let marker: [UInt8] = Array("\r\n\r\n".utf8)
            guard let end = (0...max(0, bytes.count - 4)).first(where: { bytes.count >= $0 + 4 && Array(bytes[$0..<$0 + 4]) == marker })
            else { return false }
            let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
            guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                  let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return false }
            return bytes.count >= end + 4 + length
        }
    }
}

extension Application {
    /// Serves the application on a free loopback port for the duration of `body`.
    func withRunningServer(_ body: (Int) async throws -> Void) async throws {
        try await server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = http.server.shared.localAddress?.port else {
            await server.shutdown()
            throw Abort(.internalServerError, reason: "the test server has no port")
        }
        do {
            try await body(port)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }
}
