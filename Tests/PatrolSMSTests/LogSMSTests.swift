import Foundation
import XCTest
import PatrolSMS

/// The log provider sends nothing.
final class LogSMSTests: XCTestCase {
    func testSendsNothing() {
        let provider = LogSMS()
        XCTAssertEqual(provider.name, "log")
        XCTAssertNil(provider.request(for: Fixture.message, nonce: "n1", now: Fixture.now))
        XCTAssertEqual(provider.outcome(status: 500, body: Data()), .sent(messageID: nil))
    }
}
