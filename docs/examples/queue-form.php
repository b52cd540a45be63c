<?php
// Existing code that posts the fields as a form keeps working. CURLOPT_POSTFIELDS with an
// array sends multipart/form-data; the field names are the JSON's.
$fields = require __DIR__ . '/booking-fields.php';
$key = getenv('MOPH_CONNECT_KEY');  // unset only for hospitals in legacy mode

$curl = curl_init((getenv('MOPH_CONNECT_URL') ?: 'https://mophconnect.go.th/test/api') . '/queue');
curl_setopt_array($curl, [
    CURLOPT_POSTFIELDS => $fields,  // an array: multipart/form-data
    CURLOPT_HTTPHEADER => $key ? ['Authorization: Bearer ' . $key] : [],
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_TIMEOUT => 10,
]);
$text = curl_exec($curl);
echo $text, "\n";
exit(curl_getinfo($curl, CURLINFO_RESPONSE_CODE) === 202 ? 0 : 1);
