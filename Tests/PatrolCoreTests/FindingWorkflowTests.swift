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
