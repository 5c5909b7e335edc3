import XCTest
@testable import PatrolCore

/// The state machine of SPEC §3, exhaustively: every state × every event.
final class FindingWorkflowTests: XCTestCase {
    /// The legal moves, from the diagram; everything else must be an IllegalTransition.
    static let legal: [FindingStatus: [FindingEvent: FindingStatus]] = [
        .submitted: [.verify: .verified, .requestInfo: .needInfo, .reject: .rejected, .markDuplicate: .duplicate],
        .needInfo: [.resubmit: .submitted],
        .verified: [.issueNotice: .notified],
        .notified: [.submitReport: .remediated],
        .remediated: [.retestPassed: .closed, .retestFailed: .notified],
        .closed: [:], .rejected: [:], .duplicate: [:],
    ]

    func testEveryStateAndEvent() {
        XCTAssertEqual(Set(Self.legal.keys), Set(FindingStatus.allCases))
        var checked = 0
        for status in FindingStatus.allCases {
            for event in FindingEvent.allCases {
                checked += 1
                if let expected = Self.legal[status]?[event] {
                    XCTAssertEqual(try FindingWorkflow.next(status, event), expected, "\(status) + \(event)")
                } else {
                    XCTAssertThrowsError(try FindingWorkflow.next(status, event), "\(status) + \(event)") {
                        XCTAssertEqual($0 as? IllegalTransition, IllegalTransition(from: status, event: event))
                    }
                }
            }
        }
        XCTAssertEqual(checked, 8 * 9)
    }

    func testFinalStatesAndPublicStatus() {
        XCTAssertEqual(FindingStatus.allCases.filter(FindingWorkflow.isFinal), [.closed, .rejected, .duplicate])
        XCTAssertEqual(FindingWorkflow.events(from: .remediated), [.retestPassed, .retestFailed])
        XCTAssertEqual(FindingWorkflow.publicStatus(.needInfo), .submitted)
        XCTAssertEqual(FindingWorkflow.publicStatus(.notified), .notified)
        XCTAssertEqual(IllegalTransition(from: .closed, event: .submitReport).description, "a closed finding cannot submitReport")
    }

    func testEveryPathFromSubmittedEndsInAFinalStateOrCycle() {
        // Walk the graph: every state is reachable from submitted, and closed is reachable from every non-final state.
        var seen: Set<FindingStatus> = [.submitted]
        var frontier: [FindingStatus] = [.submitted]
        while let s = frontier.popLast() {
            for e in FindingWorkflow.events(from: s) {
                let n = try! FindingWorkflow.next(s, e)
                if seen.insert(n).inserted { frontier.append(n) }
            }
        }
        XCTAssertEqual(seen, Set(FindingStatus.allCases))
    }

    func testRemediationClockMarks() {
        let h: EpochMillis = 3_600_000
        let notified: EpochMillis = 1_652_630_400_000
        let clock = RemediationClock(notifiedAt: notified, now: notified + 30 * h)
        XCTAssertEqual(clock.marks.map(\.hours), [24, 48, 72])
        XCTAssertEqual(clock.marks.map(\.passed), [true, false, false])
        XCTAssertEqual(clock.nextMark?.hours, 48)
        XCTAssertEqual(clock.nextMark?.remaining, 18 * h)
        // Exactly at a mark it has not passed yet (≤ counts as within).
        XCTAssertEqual(RemediationClock(notifiedAt: notified, now: notified + 24 * h).nextMark?.hours, 24)
        XCTAssertNil(RemediationClock(notifiedAt: notified, now: notified + 72 * h + 1).nextMark)
    }
}

final class ContentSnifferTests: XCTestCase {
    func testKindsAreDecidedByContent() {
        XCTAssertEqual(ContentSniffer.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]), ContentSniffer.png)
        XCTAssertEqual(ContentSniffer.sniff([0xFF, 0xD8, 0xFF, 0xE0]), ContentSniffer.jpeg)
        XCTAssertEqual(ContentSniffer.sniff(Array("GIF89a....".utf8)), ContentSniffer.gif)
        XCTAssertEqual(ContentSniffer.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)), ContentSniffer.webp)
        XCTAssertEqual(ContentSniffer.sniff(Array("%PDF-1.7\n".utf8)), ContentSniffer.pdf)
        XCTAssertEqual(ContentSniffer.sniff([0x50, 0x4B, 0x03, 0x04, 0x14]), ContentSniffer.zip)
        XCTAssertEqual(ContentSniffer.sniff(Array("GET /login?id=1' HTTP/1.1\r\n中文".utf8)), ContentSniffer.text)
        // Multi-byte character cut at the end of the sample is still text.
        XCTAssertEqual(ContentSniffer.sniff(Array(Array(String(repeating: "中", count: 3000).utf8).prefix(8192 + 1))), ContentSniffer.text)
        XCTAssertNil(ContentSniffer.sniff([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]))   // ELF
        XCTAssertNil(ContentSniffer.sniff(Array("MZ\u{90}\u{0}\u{3}\u{0}".utf8))) // Windows executable
        XCTAssertNil(ContentSniffer.sniff([0x1F, 0x8B, 0x08, 0x00]))                // gzip
        XCTAssertNil(ContentSniffer.sniff([UInt8]()))
    }
}
