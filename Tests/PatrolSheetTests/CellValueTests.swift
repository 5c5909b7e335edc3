@testable import PatrolSheet
import XCTest

/// Numbers, dates and column letters as the readers print them.
final class CellValueTests: XCTestCase {
    func testNumbersPrintAsExcelShowsThemInGeneral() {
        let cases: [(String, String)] = [
            ("13800000000", "13800000000"), ("1.38E+10", "13800000000"), ("13800000000.0", "13800000000"),
            ("0.30000000000000004", "0.3"), ("1E-05", "0.00001"), ("-0", "0"), ("123.456", "123.456"),
            ("1.101011990010112e+17", "110101199001011000"), ("110101199001011234", "110101199001011234"),
            ("-42", "-42"), ("007", "7"), ("2.5e20", "250000000000000000000"), ("-1.5e16", "-15000000000000000"),
        ]
        for (raw, expected) in cases {
            XCTAssertEqual(NumberText.text(raw), expected, raw)
        }
        XCTAssertNil(NumberText.text("abc"))
    }

    func testNumberFormatsThatAreDates() {
        XCTAssertEqual(TemporalFormat.builtIn(14), .date)
        XCTAssertEqual(TemporalFormat.builtIn(22), .dateTime)
        XCTAssertEqual(TemporalFormat.builtIn(20), .time)
        XCTAssertEqual(TemporalFormat.builtIn(31), .date)
        XCTAssertEqual(TemporalFormat.builtIn(57), .date)
        XCTAssertNil(TemporalFormat.builtIn(0))
        XCTAssertNil(TemporalFormat.builtIn(49))
        let codes: [(String, TemporalFormat?)] = [
            ("yyyy-mm-dd", .date), (#"yyyy\年m\月d\日"#, .date), (#"yyyy"年"m"月"d"日""#, .date),
            ("yyyy-mm-dd h:mm:ss", .dateTime), ("h:mm", .time), ("[h]:mm:ss", .time), ("mm:ss", .time),
            (#"上午/下午h"时"mm"分""#, .time), ("[$-804]aaaa", .date), ("mmm-yy", .date), ("m/d/yyyy", .date),
            ("General", nil), ("0.00E+00", nil), (#"#,##0"元""#, nil), ("@", nil), ("[Red]0.00", nil),
            ("0.00_);[Red](0.00)", nil), (#""day "0"#, nil),
        ]
        for (code, expected) in codes {
            XCTAssertEqual(TemporalFormat.of(code: code), expected, code)
        }
    }

    func testSerialDates() {
        XCTAssertEqual(SerialDate.text(serial: 1, format: .date, date1904: false), "1900-01-01")
        XCTAssertEqual(SerialDate.text(serial: 59, format: .date, date1904: false), "1900-02-28")
        XCTAssertEqual(SerialDate.text(serial: 61, format: .date, date1904: false), "1900-03-01")
        XCTAssertEqual(SerialDate.text(serial: 44743, format: .date, date1904: false), "2022-07-01")
        XCTAssertEqual(SerialDate.text(serial: 0, format: .date, date1904: true), "1904-01-01")
        XCTAssertEqual(SerialDate.text(serial: 44927.99999999999, format: .dateTime, date1904: false), "2023-01-02T00:00:00")
        XCTAssertEqual(SerialDate.text(serial: 0.75, format: .time, date1904: false), "18:00:00")
        XCTAssertEqual(SerialDate.text(serial: 2_958_465, format: .date, date1904: false), "9999-12-31")
        XCTAssertNil(SerialDate.text(serial: -1, format: .date, date1904: false))
        XCTAssertEqual(SerialDate.serial(year: 2022, month: 7, day: 1), 44743)
    }

    func testColumnLetters() {
        XCTAssertEqual(SheetColumn(index: 0).letters, "A")
        XCTAssertEqual(SheetColumn(index: 25).letters, "Z")
        XCTAssertEqual(SheetColumn(index: 26).letters, "AA")
        XCTAssertEqual(SheetColumn(index: 16_383).letters, "XFD")
        XCTAssertEqual(SheetColumn(letters: "aa")?.index, 26)
        XCTAssertNil(SheetColumn(letters: "XFE"))
        XCTAssertNil(SheetColumn(letters: "A1"))
        XCTAssertEqual(SheetCellPosition(reference: "F7"), SheetCellPosition(row: 7, column: SheetColumn(index: 5)))
        XCTAssertNil(SheetCellPosition(reference: "F0"))
    }

    func testErrorCodesAreStable() {
        XCTAssertEqual(SheetError.notAZip(.compoundDocument).code, "sheet.not_zip")
        XCTAssertEqual(SheetError.undecodableText(offset: 3, encoding: .gb18030).code, "sheet.undecodable_text")
        XCTAssertEqual(SheetError.tooManyRows(limit: 1).code, "sheet.too_many_rows")
    }
}
