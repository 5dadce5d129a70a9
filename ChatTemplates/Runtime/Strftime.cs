using System.Globalization;
using System.Text;

namespace Cluster.ChatTemplates.Runtime;

/// <summary>C <c>strftime</c> in the C locale, as Python's <c>datetime.strftime</c> renders it on Linux.</summary>
internal static class Strftime
{
    public static string Format(DateTime t, string format)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { sb.Append(format[i]); continue; }
            var directive = format[++i];
            var noPad = false;
            if (directive == '-' && i + 1 < format.Length) { noPad = true; directive = format[++i]; }
            string Pad(int value, int width) => noPad ? value.ToString(c) : value.ToString(new string('0', width), c);
            sb.Append(directive switch
            {
                'Y' => t.Year.ToString(c),
                'y' => Pad(t.Year % 100, 2),
                'm' => Pad(t.Month, 2),
                'd' => Pad(t.Day, 2),
                'e' => noPad ? t.Day.ToString(c) : t.Day.ToString(c).PadLeft(2),
                'H' => Pad(t.Hour, 2),
                'I' => Pad(t.Hour % 12 == 0 ? 12 : t.Hour % 12, 2),
                'M' => Pad(t.Minute, 2),
                'S' => Pad(t.Second, 2),
                'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", c),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'j' => Pad(t.DayOfYear, 3),
                'a' => t.DayOfWeek.ToString()[..3],
                'A' => t.DayOfWeek.ToString(),
                'b' or 'h' => c.DateTimeFormat.GetAbbreviatedMonthName(t.Month),
                'B' => c.DateTimeFormat.GetMonthName(t.Month),
                'w' => ((int)t.DayOfWeek).ToString(c),
                'u' => (t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(c),
                'F' => t.ToString("yyyy-MM-dd", c),
                'T' => t.ToString("HH:mm:ss", c),
                'D' => t.ToString("MM/dd/yy", c),
                'R' => t.ToString("HH:mm", c),
                'c' => t.ToString("ddd MMM ", c) + t.Day.ToString(c).PadLeft(2) + t.ToString(" HH:mm:ss yyyy", c),
                'x' => t.ToString("MM/dd/yy", c),
                'X' => t.ToString("HH:mm:ss", c),
                'Z' or 'z' => "",
                '%' => "%",
                _ => "%" + directive,
            });
        }
        return sb.ToString();
    }
}
