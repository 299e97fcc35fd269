from PIL import Image, ImageDraw, ImageFont
lines = [
 ("ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG", 44),
 ("THÔNG BÁO", 44),
 ("Về việc tổ chức lấy ý kiến nhân dân", 40),
 ("Thực hiện kế hoạch của Ủy ban nhân dân tỉnh, Sở Nội vụ", 40),
 ("thông báo lịch tiếp công dân trong tháng mười hai.", 40),
 ("Thời gian: từ ngày 02 đến ngày 15 tháng 12 năm 2026.", 40),
 ("Địa điểm: trụ sở Ủy ban nhân dân các huyện, thành phố.", 40),
]
font = "/usr/share/fonts/truetype/freefont/FreeSerif.ttf"
W, H = 1700, 1400
img = Image.new("L", (W, H), 255)
d = ImageDraw.Draw(img)
y = 80
for t, s in lines:
    f = ImageFont.truetype(font, s)
    d.text((100, y), t, font=f, fill=0)
    y += int(s * 1.8)
f = ImageFont.truetype(font, 26)
d.text((100, H - 150), "Ghi chú: lịch có thể thay đổi theo chỉ đạo của tỉnh.", font=f, fill=0)
f = ImageFont.truetype(font, 34)
d.text((W // 2, H - 90), "Trang 2", font=f, fill=0)
img.save("page.png")
