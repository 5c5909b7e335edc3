import Foundation
import PatrolCore
import XCTest

/// The bundle's hand-written RFC 3339 codec, checked against Foundation's ISO8601DateFormatter,
/// which it replaced for speed: the same text for the same instant in every zone, and back.
final class BundleDateTests: XCTestCase {
    private func reference(_ date: Date, _ zone: TimeZone) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = zone
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        f.formatOptions = millis.truncatingRemainder(dividingBy: 1000) == 0
            ? [.withInternetDateTime] : [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: millis / 1000))
    }

    func testFormatsAsFoundationDoesInEveryZoneAndReadsItBack() {
        let zones = ["Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham",
                     "America/St_Johns", "Europe/London"].map { TimeZone(identifier: $0)! }
        var rng = SeededGenerator(seed: 20_221_205)
        for n in 0..<4_000 {
            // 1901–2099, whole seconds half the time, milliseconds otherwise.
            let seconds = Double(Int.random(in: -2_177_452_800...4_102_444_799, using: &rng))
            let date = Date(timeIntervalSince1970: n % 2 == 0 ? seconds : seconds + Double(Int.random(in: 1...999, using: &rng)) / 1000)
            let zone = zones[n % zones.count]
            let text = BundleDate.format(date, in: zone)
            XCTAssertEqual(text, reference(date, zone), "\(date.timeIntervalSince1970) in \(zone.identifier)")
            let back = BundleDate.parse(text)
            XCTAssertEqual(back.map { ($0.timeIntervalSince1970 * 1000).rounded() }, (date.timeIntervalSince1970 * 1000).rounded(), text)
        }
    }

    func testReadsTheOffsetsAndFractionsPeopleWrite() {
        XCTAssertEqual(BundleDate.parse("2022-05-16T00:00:00+08:00")?.timeIntervalSince1970, 1_652_630_400)
        XCTAssertEqual(BundleDate.parse("2022-05-15T16:00:00Z")?.timeIntervalSince1970, 1_652_630_400)
        XCTAssertEqual(BundleDate.parse("2022-05-15T16:00:00z")?.timeIntervalSince1970, 1_652_630_400)
        XCTAssertEqual(BundleDate.parse("2022-05-15T12:00:00-0400")?.timeIntervalSince1970, 1_652_630_400)
        XCTAssertEqual(BundleDate.parse("2022-05-15T16:00:00.5Z")?.timeIntervalSince1970, 1_652_630_400.5)
        XCTAssertEqual(BundleDate.parse("2024-02-29T00:00:00Z")?.timeIntervalSince1970, 1_709_164_800)
    }

    func testRefusesWhatIsNotACalendarTimeWithAnOffset() {
        for text in ["", "2022-05-16", "2022-05-16T00:00:00", "2022-05-16 00:00:00+08:00", "2022-13-01T00:00:00Z",
                     "2022-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2022-05-01T24:00:00Z", "2022-05-01T23:60:00Z",
                     "2022-05-01T23:00:60Z", "2022-05-01T23:00:00.Z", "2022-05-01T23:00:00+8:00", "2022-05-01T23:00:00Z ",
                     "２０２２-05-01T23:00:00Z", "2022-05-01T23:00:00+08:00:6", "2022-5-1T23:00:00Z"] {
            XCTAssertNil(BundleDate.parse(text), text)
        }
    }
}
