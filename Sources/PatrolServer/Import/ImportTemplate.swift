import Foundation
import PatrolSheet
import Vapor

/// The blank lists an organiser downloads to fill in, in Chinese, in the columns the import reads
/// (`UnitSheet.templateHeader`): as .xlsx for Excel and WPS, and as CSV (UTF-8 with a BOM, which
/// Excel needs to open it as UTF-8).
enum ImportTemplate: String, CaseIterable {
    case unitsXLSX = "units.xlsx"
    case unitsCSV = "units.csv"

    /// The list it is for, naming its label and file name.
    var key: String {
        switch self {
        case .unitsXLSX: "unitsXLSX"
        case .unitsCSV: "unitsCSV"
        }
    }

    var fileExtension: String { self == .unitsXLSX ? ".xlsx" : ".csv" }

    var contentType: HTTPMediaType {
        self == .unitsXLSX
            ? HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            : HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
    }

    /// One example row, so the format of each column is seen; the import reads it like any other,
    /// which is why it names a unit no office has.
    static let example = ["", "示例单位（请删除本行）", "市级党政机关及其管理单位", "非行业主管监管部门", "", "张三", "13800000000", ""]

    func data() throws -> Data {
        switch self {
        case .unitsXLSX:
            let widths: [Double] = [10, 30, 26, 18, 20, 14, 14, 20]
            let columns = zip(UnitSheet.templateHeader, widths).map { XLSXColumn($0.0, width: $0.1, isText: true) }
            let sheet = XLSXSheet(name: "被检测单位", title: "被检测单位及联络员名单（单位编码可不填，由平台生成）", columns: columns,
                                  rows: [Self.example.map { XLSXCell.text($0) }])
            return try XLSXWriter(sheets: [sheet]).data()
        case .unitsCSV:
            let lines = [UnitSheet.templateHeader, Self.example].map { $0.joined(separator: ",") }
            return Data([0xEF, 0xBB, 0xBF]) + Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
        }
    }
}
