import NIOCore
import NIOEmbedded
import NIOHTTP1
import XCTest
@testable import PatrolGateway

/// The gateway's request sequencer: one request at a time to the proxy handler, in order, and the
/// client's reads held only while a pipelined request waits (never for a plain keep-alive request).
final class RequestSequencerTests: XCTestCase {
    /// Counts the reads that get past the sequencer towards the socket.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = Never
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    /// What reaches the proxy handler's place, as text.
    final class Seen: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        var events: [String] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): events.append("head \(head.uri)")
            case .body(let buffer): events.append("body \(String(buffer: buffer))")
            case .end: events.append("end")
            }
        }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? ChannelEvent, event == .inputClosed { events.append("input closed") }
        }
    }

    func rig() throws -> (EmbeddedChannel, ReadCounter, Seen) {
        let channel = EmbeddedChannel()
        let counter = ReadCounter(), seen = Seen()
        try channel.pipeline.syncOperations.addHandlers([counter, RequestSequencer(), seen])
        return (channel, counter, seen)
    }

    func head(_ uri: String) -> HTTPServerRequestPart {
        .head(HTTPRequestHead(version: .http1_1, method: .GET, uri: uri))
    }

    func respond(_ channel: EmbeddedChannel) throws {
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
    }

    func testReadsPassWhileAResponseIsPendingWhenNothingIsPipelined() throws {
        let (channel, counter, seen) = try rig()
        for n in 1...3 {
            try channel.writeInbound(head("/\(n)"))
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
            // The socket keeps its read interest while the response is on its way (no epoll_ctl).
            let before = counter.reads
            channel.read()
            XCTAssertEqual(counter.reads, before + 1, "request \(n): the read went through")
            try respond(channel)
        }
        XCTAssertEqual(seen.events, ["head /1", "end", "head /2", "end", "head /3", "end"])
    }

    func testAPipelinedRequestWaitsForTheResponseAndHoldsReads() throws {
        let (channel, counter, seen) = try rig()
        try channel.writeInbound(head("/a"))
        try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "x")))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        try channel.writeInbound(head("/b"))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        try channel.writeInbound(head("/c"))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        XCTAssertEqual(seen.events, ["head /a", "body x", "end"], "b and c wait for a's response")
        let before = counter.reads
        channel.read()
        XCTAssertEqual(counter.reads, before, "no more is read while requests are held")

        try respond(channel)
        XCTAssertEqual(seen.events.suffix(2), ["head /b", "end"], "b follows a's response, c still waits")
        XCTAssertEqual(counter.reads, before, "c is still held")
        try respond(channel)
        XCTAssertEqual(seen.events.suffix(3), ["head /c", "end", "input closed"], "c, then the half-close, in order")
        XCTAssertEqual(counter.reads, before + 1, "the held read goes out once nothing is held")
    }

    func testAResponseBeforeTheRequestEndsDoesNotHoldTheRestOfThatRequest() throws {
        let (channel, _, seen) = try rig()
        try channel.writeInbound(head("/refused"))
        try respond(channel)  // e.g. a refusal while the body is still coming
        try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "late")))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        try channel.writeInbound(head("/next"))
        XCTAssertEqual(seen.events, ["head /refused", "body late", "end", "head /next"])
    }
}
