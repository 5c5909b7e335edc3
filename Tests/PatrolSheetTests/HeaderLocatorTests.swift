import PatrolSheet
import XCTest

final class HeaderLocatorTests: XCTestCase {
    private let locator = HeaderLocator(fields: UnitField.fields)

    func testHeaderNamesAreComparedAsTheAuthorMeantThem() throws {
        let table = SheetTable(source: .csv(encoding: .utf8), rows: [
            SheetRow(number: 1, values: ["单位名称清单"]),
            SheetRow(number: 3, values: ["序 号", " 单位\n名称 *", "类别＊", "网络安全联络员", "联络员手机", "备注（选填）"]),
            SheetRow(number: 4, values: ["1", "溧阳市", "辖市区", "张三", "13800000000"]),
        ])

        let match = try locator.locate(in: table)

        XCTAssertEqual(match.rowNumber, 3)
        XCTAssertEqual(match.columns[.serial]?.letters, "A")
        XCTAssertEqual(match.columns[.name]?.letters, "B")
        XCTAssertEqual(match.columns[.category]?.letters, "C")
        XCTAssertEqual(match.columns[.phone]?.letters, "E")
        XCTAssertEqual(match.missingRequired, [])
        XCTAssertEqual(match.unknownColumns, [SheetCell(column: SheetColumn(letters: "F")!, value: "备注（选填）")])
    }

    func testFullWidthParenthesesAndLatinCase() throws {
        let locator = HeaderLocator(fields: [
            HeaderField("phone", aliases: ["手机(必填)"]),
            HeaderField("email", aliases: ["E-mail"], required: false),
        ])
        let table = SheetTable(source: .csv(encoding: .utf8), rows: [SheetRow(number: 1, values: ["手机（必填）", "ＥＭＡＩＬ", "e-MAIL"])])

        let match = try locator.locate(in: table)

        XCTAssertEqual(match.columns["phone"]?.letters, "A")
        XCTAssertEqual(match.columns["email"]?.letters, "C")
        XCTAssertEqual(match.unknownColumns.map(\.value), ["ＥＭＡＩＬ"])
    }

    func testMissingAndRepeatedColumns() throws {
        let table = SheetTable(source: .csv(encoding: .utf8), rows: [
            SheetRow(number: 1, values: ["单位名称", "手机", "单位"]),
        ])

        let match = try locator.locate(in: table)

        XCTAssertEqual(match.missingRequired, [.category, .liaison])
        XCTAssertEqual(match.duplicateColumns[.name]?.map(\.letters), ["C"])
    }

    func testNoHeaderInTheFirstRows() throws {
        let rows = (1...20).map { SheetRow(number: $0, values: ["x\($0)"]) } + [SheetRow(number: 21, values: ["单位名称"])]
        let table = SheetTable(source: .csv(encoding: .utf8), rows: rows)

        XCTAssertThrowsSheetError(.headerRowNotFound(searchedRows: 10)) { () throws(SheetError) in
            try locator.locate(in: table)
        }
        XCTAssertEqual(try HeaderLocator(fields: UnitField.fields, searchRows: 30).locate(in: table).rowNumber, 21)
    }
}
