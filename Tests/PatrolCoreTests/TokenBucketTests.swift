import XCTest
@testable import PatrolCore

final class TokenBucketTests: XCTestCase {
    private let second: UInt64 = 1_000_000_000

    private func takes(_ bucket: inout TokenBucket, at now: UInt64, times: Int) -> Int {
        (0..<times).filter { _ in bucket.take(atNanoseconds: now) }.count
    }

    func testStartsFullAndEmptiesAfterBurst() {
        var bucket = TokenBucket(ratePerSecond: 1, burst: 3)
        XCTAssertEqual(takes(&bucket, at: 5 * second, times: 5), 3)
    }

    func testRefillsByElapsedTime() {
        var bucket = TokenBucket(ratePerSecond: 2, burst: 2)
        XCTAssertEqual(takes(&bucket, at: 0, times: 2), 2)
        XCTAssertFalse(bucket.take(atNanoseconds: second / 4))      // half a token
        XCTAssertTrue(bucket.take(atNanoseconds: second / 2))       // one whole token
        XCTAssertFalse(bucket.take(atNanoseconds: second / 2))
        XCTAssertEqual(takes(&bucket, at: second + second / 2, times: 5), 2)
    }

    func testRefillIsCappedAtBurst() {
        var bucket = TokenBucket(ratePerSecond: 10, burst: 3)
        XCTAssertEqual(takes(&bucket, at: 0, times: 3), 3)
        XCTAssertEqual(takes(&bucket, at: 100 * second, times: 10), 3)
    }

    func testSlowRates() {
        var bucket = TokenBucket(ratePerSecond: 0.5, burst: 1)
        XCTAssertTrue(bucket.take(atNanoseconds: 0))
        XCTAssertFalse(bucket.take(atNanoseconds: second))
        XCTAssertFalse(bucket.take(atNanoseconds: 2 * second - 1))
        XCTAssertTrue(bucket.take(atNanoseconds: 2 * second))
        var frozen = TokenBucket(ratePerSecond: 0, burst: 2)
        XCTAssertEqual(takes(&frozen, at: 0, times: 3), 2)
        XCTAssertFalse(frozen.take(atNanoseconds: 1_000 * second))
    }

    func testAClockGoingBackwardsRefillsNothing() {
        var bucket = TokenBucket(ratePerSecond: 1, burst: 1)
        XCTAssertTrue(bucket.take(atNanoseconds: 10 * second))
        XCTAssertFalse(bucket.take(atNanoseconds: 5 * second))
        XCTAssertFalse(bucket.take(atNanoseconds: 10 * second + second / 2))
        XCTAssertTrue(bucket.take(atNanoseconds: 11 * second))
    }
}
